import { testCause } from '../cause-tester.js';

testCause('upstream-request-too-big');
