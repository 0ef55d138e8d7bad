// Public surface of src/compress: re-exports only. Filled in as the area lands.
export {};
