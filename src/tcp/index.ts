// Public surface of src/tcp: re-exports only. Filled in as the area lands.
export {};
