import { auth } from './auth.ts';

const outcome = await auth.handleCallback();
if (outcome.ok) location.replace(outcome.returnTo);
else document.querySelector('#app')!.textContent = `Sign-in failed: ${outcome.message}`;
