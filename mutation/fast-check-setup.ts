// Under mutation testing a property only has to fail, not to shrink its counterexample to the
// smallest one: skipping the shrinking saves minutes and kills exactly the same mutants.
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), endOnFailure: true });
