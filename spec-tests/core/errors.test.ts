import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError } from "../../src/index.ts";

describe("NetError", () => {
  test("carries Godot's numeric Error code and its name", () => {
    const e = new NetError(GodotError.ERR_ALREADY_IN_USE, "port 7777 is in use");
    assert.equal(e.code, 22);
    assert.equal(e.codeName, "ERR_ALREADY_IN_USE");
    assert.ok(e instanceof Error);
    assert.equal(GodotError.ERR_CANT_RESOLVE, 26);
    assert.equal(GodotError.ERR_OUT_OF_MEMORY, 6);
  });
});
