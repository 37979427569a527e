import { testCause } from '../cause-tester.js';

testCause('permission-denied');
