// Public surface of src/transport: re-exports only. Filled in as the area lands.
export {};
