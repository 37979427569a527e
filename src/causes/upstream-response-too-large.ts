/** upstream-response-too-large: response body above a platform limit (Lambda behind ALB, 1 MB). */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'upstream-response-too-large',
    title: 'The response is larger than the platform allows',
    seedCategory: 'Configuration Issues',
    summary: 'The application produced a response body above a hard limit of the platform in between, such as 1 MB for AWS Lambda behind an Application Load Balancer, and the platform answered 502 instead.',
    explanation:
      'Some gateways cap response sizes: an ALB forwarding to a Lambda target accepts at most 1 MB of response (error_reason LambdaResponseTooLarge) and returns 502; API gateways and serverless platforms have similar payload limits (6 MB synchronous Lambda invocations). The application works when called directly but fails through the platform for large pages, exports or API results.',
    statuses: [502],
    signals: [
      'ALB access log: elb_status_code 502 with error_reason LambdaResponseTooLarge',
      'Lambda: "Response payload size exceeded maximum allowed payload size"',
    ],
    facts: ['response-too-large'],
    fixes: {
      owner: [
        'Return large results another way: paginate, compress, or upload to object storage (S3) and return a pre-signed URL.',
        'Put the function behind a service with a higher limit (Lambda function URLs with response streaming, or a container target).',
      ],
      visitor: ['The page or file you asked for is too large for the site\'s platform. Try a smaller request (fewer results, a date range) and tell the site owner.'],
    },
    related: ['app-error', 'upstream-invalid-response'],
    lab: { none: 'Platform limit of AWS Lambda behind ALB; not reproducible with local proxies. Covered by ALB access-log fixtures from AWS documentation.' },
    messages: {
      tooLarge: '{count} request(s) failed: the response exceeded the platform limit ({detail}).',
    },
  },
  detect(i) {
    const f = own(i, 'response-too-large')[0];
    return f ? claim(0.92, 'tooLarge', [f], f.detail ?? 'size limit') : null;
  },
});
