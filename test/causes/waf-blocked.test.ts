import { testCause } from '../cause-tester.js';

testCause('waf-blocked');
