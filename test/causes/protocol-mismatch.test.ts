import { testCause } from '../cause-tester.js';

testCause('protocol-mismatch');
