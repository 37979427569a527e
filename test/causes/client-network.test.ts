import { testCause } from '../cause-tester.js';

testCause('client-network');
