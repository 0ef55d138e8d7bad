// Public surface of src/enet: re-exports only. Filled in as the area lands.
export {};
