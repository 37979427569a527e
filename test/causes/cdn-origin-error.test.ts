import { testCause } from '../cause-tester.js';

testCause('cdn-origin-error');
