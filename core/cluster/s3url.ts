// The bucket a cluster command names: `--s3 http://host:port/bucket`, with
// the keys in the URL (http://KEY:SECRET@host:port/bucket) or, better kept
// out of process listings, in BENTO_S3_ACCESS_KEY and BENTO_S3_SECRET_KEY.

import type { S3Config } from '../api/contract.js';
import { EngineError } from '../engine/engineerror.js';

export function s3ConfigFromUrl(text: string, env: NodeJS.ProcessEnv = process.env): S3Config {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EngineError('--s3: expected a URL such as http://minio:9000/bucket');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EngineError('--s3: the URL must be http or https');
  const bucket = url.pathname.replace(/^\/+|\/+$/g, '');
  if (!bucket || bucket.includes('/')) throw new EngineError('--s3: the URL must name one bucket as its path');
  const accessKey = decodeURIComponent(url.username) || env.BENTO_S3_ACCESS_KEY;
  const secretKey = decodeURIComponent(url.password) || env.BENTO_S3_SECRET_KEY;
  if (!accessKey || !secretKey)
    throw new EngineError('--s3: no keys: put them in BENTO_S3_ACCESS_KEY and BENTO_S3_SECRET_KEY');
  return {
    endpoint: `${url.protocol}//${url.host}`,
    bucket,
    accessKey,
    secretKey,
    ...(env.BENTO_S3_REGION ? { region: env.BENTO_S3_REGION } : {}),
  };
}
