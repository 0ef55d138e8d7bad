/** Close a native socket, listener or connection that may already be closed (closing twice throws on some runtimes). */
export function closeQuietly(closable: { close(): void } | null | undefined): void {
  if (!closable) return;
  try {
    closable.close();
  } catch {
    // already closed: nothing left to release
  }
}
