import { testCause } from '../cause-tester.js';

testCause('app-error');
