import { testCause } from '../cause-tester.js';

testCause('third-party-failure');
