import { testCause } from '../cause-tester.js';

testCause('site-dns');
