import { testCause } from '../cause-tester.js';

testCause('database-unavailable');
