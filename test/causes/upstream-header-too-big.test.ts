import { testCause } from '../cause-tester.js';

testCause('upstream-header-too-big');
