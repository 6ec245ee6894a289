import { StrictMode, useEffect, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { auth, repositoryNames, userName } from './auth.ts';

function Repositories() {
  const [name, setName] = useState('');
  const [repositories, setRepositories] = useState<string[]>([]);
  useEffect(() => {
    // Leaving (or StrictMode's second run) stops the requests in flight.
    const stop = new AbortController();
    void (async () => {
      setName(await userName(stop.signal));
      for await (const fullName of repositoryNames(stop.signal)) setRepositories((shown) => [...shown, fullName]);
    })().catch((error: unknown) => stop.signal.aborted || console.error(error));
    return () => stop.abort();
  }, []);
  const items = repositories.map((fullName) => <li key={fullName}>{fullName}</li>);
  return (
    <>
      <h1>Signed in as {name}</h1>
      <button onClick={() => auth.signOut()}>Sign out</button>
      <ul>{items}</ul>
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
