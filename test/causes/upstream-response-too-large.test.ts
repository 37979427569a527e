import { testCause } from '../cause-tester.js';

testCause('upstream-response-too-large');
