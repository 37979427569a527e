import { testCause } from '../cause-tester.js';

testCause('keepalive-race');
