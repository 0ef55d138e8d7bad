// Public surface of src/multiplayer: re-exports only. Filled in as the area lands.
export {};
