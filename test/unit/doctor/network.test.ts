/** How the doctor words a transport failure: pure mapping over the error shapes each client throws. */
import { describeNetworkProblem, networkProblem } from '../../../src/doctor/network';

/** What Node's resolver throws (dns.lookup → getaddrinfo), as http.request and undici pass it on. */
const getaddrinfoError = (code: 'EAI_AGAIN' | 'ENOTFOUND', hostname: string) =>
  Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, errno: code === 'EAI_AGAIN' ? -3001 : -3008, syscall: 'getaddrinfo', hostname });

const target = { system: 'the dashboard', host: 'dash.example.com', setting: 'DASHBOARD_URL' };

describe('DNS failures name the host', () => {
  it('EAI_AGAIN (the resolver did not answer) is "could not resolve host X; check the URL / network"', () => {
    const err = getaddrinfoError('EAI_AGAIN', 'api.boatsetter.example');
    expect(networkProblem(err)).toEqual({ kind: 'dns', code: 'EAI_AGAIN', host: 'api.boatsetter.example' });
    const described = describeNetworkProblem(err, target);
    expect(described?.detail).toBe('could not resolve host api.boatsetter.example; check the URL / network (DNS did not answer)');
    expect(described?.fix).toContain('DASHBOARD_URL');
  });

  it('finds it wrapped: fetch\'s TypeError cause, the Slack WebClient\'s `original`, an AggregateError', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: getaddrinfoError('EAI_AGAIN', 'slack.example') });
    const slackWrapped = Object.assign(new Error('A request error occurred: fetch failed'), { code: 'slack_webapi_request_error', original: fetchFailed });
    expect(networkProblem(slackWrapped)).toEqual({ kind: 'dns', code: 'EAI_AGAIN', host: 'slack.example' });
    expect(networkProblem(new AggregateError([getaddrinfoError('ENOTFOUND', 'x.invalid')]))).toMatchObject({ kind: 'dns', host: 'x.invalid' });
  });

  it('uses the configured host when the error does not carry one', () => {
    expect(describeNetworkProblem(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), target)?.detail).toContain('could not resolve host dash.example.com');
  });
});

it('a timeout from any client reads "did not answer within 5 s"', () => {
  const awsTimeout = Object.assign(new Error('request exceeded 5000 ms'), { name: 'TimeoutError', $metadata: {} });
  const undiciTimeout = Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) });
  for (const err of [awsTimeout, undiciTimeout]) expect(describeNetworkProblem(err, target)?.detail).toBe('the dashboard at dash.example.com did not answer within 5 s');
});

it('anything else is not a network problem (the check reports it its own way)', () => {
  expect(networkProblem(Object.assign(new Error('denied'), { name: 'AccessDenied' }))).toBeUndefined();
  expect(networkProblem(undefined)).toBeUndefined();
});
