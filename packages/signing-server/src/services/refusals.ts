/**
 * Every refusal on the authorisation pages in the subscriber's language (issue 18): the page
 * kyso renders and, where the OAuth flow requires a redirect, the `error_description` sent back
 * to the agency. The services throw English messages (the JSON API's); this maps them to what a
 * citizen reads. RFC 6749 §4.1.2.1 allows only printable ASCII in `error_description`, so the
 * Vietnamese text goes there without diacritics ("Ma PIN khong dung").
 */
export type Lang = 'vi' | 'en';

export type RefusalKind =
  | 'locked'
  | 'expired'
  | 'refused'
  | 'decided'
  | 'unavailable'
  | 'session'
  | 'client'
  | 'invalid'
  | 'busy';

export interface Refusal {
  kind: RefusalKind;
  /** Page heading. */
  title: string;
  /** What happened and what to do. */
  text: string;
}

type Text = { vi: string; en: string };

const TITLES: Record<RefusalKind, Text> = {
  locked: { vi: 'Chứng thư số đã bị khóa', en: 'Your signing credential is locked' },
  expired: { vi: 'Yêu cầu ký đã hết hạn', en: 'The signature request has expired' },
  refused: { vi: 'Bạn đã từ chối yêu cầu ký', en: 'You refused the signature request' },
  decided: { vi: 'Yêu cầu này đã được xử lý', en: 'This request was already handled' },
  unavailable: { vi: 'Chứng thư số không dùng được', en: 'Your certificate cannot be used' },
  session: { vi: 'Phiên làm việc đã hết', en: 'Your session has ended' },
  client: { vi: 'Yêu cầu không hợp lệ', en: 'Invalid request' },
  invalid: { vi: 'Yêu cầu ký không hợp lệ', en: 'Invalid signature request' },
  busy: { vi: 'Hệ thống đang bận', en: 'The service is busy' },
};

const TEXTS: Record<RefusalKind, Text> = {
  locked: {
    vi: 'Chứng thư số đã bị khóa do nhập sai nhiều lần. Không có gì được ký. Hãy liên hệ đơn vị cấp chứng thư số để mở khóa.',
    en: 'Your credential was locked after repeated wrong entries. Nothing was signed. Contact the provider of your certificate to unlock it.',
  },
  expired: {
    vi: 'Yêu cầu ký đã hết thời hạn chờ xác nhận. Không có gì được ký. Hãy quay lại hệ thống yêu cầu và gửi lại.',
    en: 'The request expired before it was approved. Nothing was signed. Go back to the requesting system and send it again.',
  },
  refused: {
    vi: 'Bạn đã từ chối. Không có gì được ký.',
    en: 'You refused. Nothing was signed.',
  },
  decided: {
    vi: 'Yêu cầu này đã được đồng ý hoặc từ chối trước đó. Hãy quay lại hệ thống yêu cầu.',
    en: 'This request was already approved or refused. Go back to the requesting system.',
  },
  unavailable: {
    vi: 'Chứng thư số của bạn đang bị tạm dừng, đã bị thu hồi hoặc đã hết hạn. Hãy liên hệ đơn vị cấp chứng thư số.',
    en: 'Your certificate is suspended, revoked or expired. Contact the provider of your certificate.',
  },
  session: {
    vi: 'Phiên làm việc đã hết hạn hoặc không hợp lệ. Hãy mở lại liên kết từ hệ thống yêu cầu, hoặc đăng nhập lại.',
    en: 'Your session has expired or is not valid. Open the link from the requesting system again, or sign in again.',
  },
  client: {
    vi: 'Hệ thống gửi yêu cầu chưa được đăng ký với máy chủ ký số này. Hãy liên hệ hệ thống đã chuyển bạn tới đây.',
    en: 'The requesting system is not registered with this signing server. Contact the system that sent you here.',
  },
  invalid: {
    vi: 'Hệ thống yêu cầu đã gửi một yêu cầu ký không hợp lệ. Không có gì được ký. Hãy báo cho hệ thống yêu cầu.',
    en: 'The requesting system sent an invalid signature request. Nothing was signed. Tell the requesting system.',
  },
  busy: {
    vi: 'Có quá nhiều yêu cầu trong thời gian ngắn. Hãy thử lại sau ít phút.',
    en: 'Too many requests in a short time. Try again in a few minutes.',
  },
};

/** Which kind of refusal an English service message is (unknown messages: `invalid`). */
export function refusalKind(message: string): RefusalKind {
  const m = message.toLowerCase();
  if (m.includes('locked')) return 'locked';
  if (m.includes('expired') || m.includes('no longer pending')) return 'expired';
  if (m.includes('refused')) return 'refused';
  if (m.includes('already decided') || m.includes('already delivered')) return 'decided';
  if (m.includes('credential is disabled') || /certificate is (suspended|revoked|expired)/.test(m))
    return 'unavailable';
  if (m.includes('csrf') || m.includes('sign in first') || m.includes('unknown authorisation request'))
    return 'session';
  if (m.includes('client_id') || m.includes('redirect_uri is not registered')) return 'client';
  if (m.includes('rate limit')) return 'busy';
  return 'invalid';
}

export function refusal(kindOrMessage: RefusalKind | string, lang: Lang): Refusal {
  const kind = kindOrMessage in TITLES ? (kindOrMessage as RefusalKind) : refusalKind(kindOrMessage);
  return { kind, title: TITLES[kind][lang], text: TEXTS[kind][lang] };
}

/** Vietnamese without diacritics (đ → d): printable ASCII, as RFC 6749 wants error_description. */
export function asciiFold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/**
 * The `error_description` for a redirect to the agency: the citizen-facing text in the request's
 * language (ASCII), followed for `invalid` requests by the technical reason (English, for the
 * agency's developers).
 */
export function errorDescription(kindOrMessage: RefusalKind | string, lang: Lang): string {
  const r = refusal(kindOrMessage, lang);
  const technical = r.kind === 'invalid' && !(kindOrMessage in TITLES) ? ` (${kindOrMessage})` : '';
  return asciiFold(`${r.text}${technical}`);
}
