import { testCause } from '../cause-tester.js';

testCause('upstream-tls-untrusted');
