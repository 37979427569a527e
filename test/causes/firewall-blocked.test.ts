import { testCause } from '../cause-tester.js';

testCause('firewall-blocked');
