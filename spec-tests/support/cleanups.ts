// What a live suite must undo (processes to kill, relays and hosts to close), run once the suite
// has ended, newest first, whatever its tests did.
import { after } from "node:test";

/**
 * A list to push undo steps onto; call it inside `describe`, so they run after that suite. A step
 * that throws does not stop the others: each resource is also bounded on its own (processes have
 * their own time limits), so cleaning up is best effort.
 */
export function cleanupsAfterSuite(): (() => unknown)[] {
  const steps: (() => unknown)[] = [];
  after(async () => {
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // best effort, as above
      }
    }
  });
  return steps;
}
