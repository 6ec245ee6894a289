/** An in-memory Storage for tests (sessionStorage's getItem/setItem/removeItem). */
export function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, String(value)),
    removeItem: (key: string) => void map.delete(key),
    get size() {
      return map.size;
    },
    keys: () => [...map.keys()],
  };
}
