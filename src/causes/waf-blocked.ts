/** waf-blocked: a WAF or bot blocker dropped or refused the request or response. */
import { defineCause } from './types.js';
import { claim, own } from './util.js';

export default defineCause({
  meta: {
    id: 'waf-blocked',
    title: 'A web application firewall blocked the request',
    seedCategory: 'Web Application Firewall (WAF) Restrictions',
    summary: 'A WAF or bot-protection layer (ModSecurity, a CDN\'s WAF, a security plugin) judged the request or the response dangerous and dropped or rejected it, which some setups show as a 502/503.',
    explanation:
      'WAF rules inspect requests (and sometimes responses) for attack patterns. False positives hit legitimate traffic: large form posts, JSON with SQL-like words, unusual headers, API clients without a browser User-Agent. Depending on the setup the block shows as 403, as a dropped connection that the proxy in front reports as 502, or as the WAF\'s own error page. ModSecurity logs "Access denied with code 403 (phase 2)" with the rule id; CDNs log the rule and action in their firewall events.',
    statuses: [403, 502, 503],
    signals: [
      'ModSecurity: Access denied with code 403 (phase 2). ... [id "942100"]',
      'a WAF vendor\'s block page (Sucuri, Imperva, Akamai, Cloudflare "Sorry, you have been blocked")',
      'probe: a browser-like request passes but a curl-like one is blocked, or the reverse',
    ],
    facts: ['waf-block'],
    fixes: {
      owner: [
        'Find the rule: ModSecurity audit log (`/var/log/modsec_audit.log`, look for the rule `id`), or the CDN\'s firewall events for the Ray ID / request id.',
        'Tune instead of disabling: exclude the one rule for the one path (`SecRuleUpdateTargetById` / `SecRuleRemoveById` inside a `<Location>`), or a CDN WAF exception scoped to that URL.',
        'Make sure the WAF does not drop the connection silently (return 403 with a page), so it is not mistaken for a backend failure.',
      ],
      visitor: [
        'The site\'s security filter blocked your request. Try without a VPN or proxy, in another browser, or with a simpler input; if it blocks a normal action, send the site owner this report (time and request id).',
      ],
    },
    related: ['firewall-blocked', 'cdn-origin-error', 'client-proxy'],
    lab: { none: 'Needs a WAF engine (ModSecurity is not part of the lab); covered by fixtures from public sources.' },
    messages: {
      blocked: '{count} request(s) were blocked by a WAF ({detail}).',
    },
  },
  detect(i) {
    const f = own(i, 'waf-block')[0];
    return f ? claim(0.85, 'blocked', [f], f.detail ?? 'rule') : null;
  },
});
