import { StrictMode, useEffect, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { auth, field } from './auth.ts';

function Repositories() {
  const [name, setName] = useState('');
  const [repositories, setRepositories] = useState<string[]>([]);
  useEffect(() => {
    // Leaving (or StrictMode's second run) stops the lists' requests in flight.
    const stop = new AbortController();
    const { signal } = stop;
    void (async () => {
      setName(await auth.get('/user', { fields: ['display_name'], signal, check: (json, path) => field(json, path, 'display_name') }));
      for await (const slug of auth.list('/user/workspaces', {
        fields: ['workspace.slug'],
        signal,
        check: (json, path) => field(json, path, 'workspace', 'slug'),
      })) {
        const list = auth.list(`/repositories/${encodeURIComponent(slug)}`, {
          fields: ['full_name'],
          signal,
          check: (json, path) => field(json, path, 'full_name'),
        });
        for await (const fullName of list) setRepositories((shown) => [...shown, fullName]);
      }
    })().catch((error: unknown) => signal.aborted || console.error(error));
    return () => stop.abort();
  }, []);
  return (
    <>
      <h1>Signed in as {name}</h1>
      <button onClick={() => auth.signOut()}>Sign out</button>
      <ul>
        {repositories.map((fullName) => (
          <li key={fullName}>{fullName}</li>
        ))}
      </ul>
    </>
  );
}

function App() {
  const session = useSyncExternalStore(auth.onChange, auth.getSession);
  return session ? <Repositories /> : <button onClick={() => auth.signIn()}>Sign in with Bitbucket</button>;
}

createRoot(document.querySelector('#app')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
