// Public surface of src/websocket: re-exports only. Filled in as the area lands.
export {};
