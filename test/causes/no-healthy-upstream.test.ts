import { testCause } from '../cause-tester.js';

testCause('no-healthy-upstream');
