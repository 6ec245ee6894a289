import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { auth } from './auth.ts';

// StrictMode runs this effect twice: the second call gets the first one's outcome, not a spent state.
function Callback() {
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    void auth.handleCallback().then((outcome) => (outcome.ok ? location.replace(outcome.returnTo) : setFailure(outcome.message)));
  }, []);
  return <p role="status">{failure ? `Sign-in failed: ${failure}` : 'Signing you in…'}</p>;
}

createRoot(document.querySelector('#app')!).render(
  <StrictMode>
    <Callback />
  </StrictMode>,
);
