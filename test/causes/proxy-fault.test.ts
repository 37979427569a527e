import { testCause } from '../cause-tester.js';

testCause('proxy-fault');
