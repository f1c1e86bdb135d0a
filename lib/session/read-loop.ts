/** An async generator over a `read()` that resolves null at the end (readMessage/readEvent). */
export async function* readUntilNull<T>(read: () => Promise<T | null>): AsyncGenerator<T> {
  for (;;) {
    const item = await read();
    if (item === null) return;
    yield item;
  }
}
