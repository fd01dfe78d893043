// CloudFront Function (runtime cloudfront-js-2.0), viewer request event, on the guest-site
// distribution. Maps the short public guest URL to its S3 object so the bucket keeps flat keys:
//   /g/{ID} and /g/{ID}/  ->  /jada-guest-{id lower}.html
//   /g/{ID}.ics           ->  /jada-guest-{id lower}.ics
// IDs are Crockford base32 (10-26 chars), case-insensitive; look-alikes I/L and O decode to 1 and 0
// as Crockford specifies, so a hand-typed link still works. Anything else passes through untouched.
// Standalone by design: CloudFront Functions cannot import modules.

var GUEST_PATH = /^\/g\/([0-9A-Za-z]{10,26})(\/|\.[Ii][Cc][Ss])?$/;
var CROCKFORD = /^[0-9abcdefghjkmnpqrstvwxyz]+$/;

function handler(event) {
  var request = event.request;
  var match = GUEST_PATH.exec(request.uri);
  if (!match) {
    return request;
  }
  var id = match[1].toLowerCase().replace(/[il]/g, '1').replace(/o/g, '0');
  if (!CROCKFORD.test(id)) {
    return request;
  }
  var suffix = match[2] && match[2].toLowerCase() === '.ics' ? '.ics' : '.html';
  request.uri = '/jada-guest-' + id + suffix;
  return request;
}
