/**
 * Short-lived download links for raw mail and attachments. Lambda responses are limited to 6 MB,
 * mail is up to 40 MB: the API answers with a redirect to a presigned S3 GET instead of proxying.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface DownloadLinks {
  link(key: string, options: { filename: string; contentType: string; inline?: boolean; expiresInSeconds?: number }): Promise<string>;
}

/** RFC 6266 / RFC 5987 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(filename: string, inline = false): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export class S3DownloadLinks implements DownloadLinks {
  constructor(private readonly client: S3Client, private readonly bucket: string) {}

  async link(key: string, options: { filename: string; contentType: string; inline?: boolean; expiresInSeconds?: number }): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({
      Bucket: this.bucket, Key: key,
      ResponseContentDisposition: contentDisposition(options.filename, options.inline),
      ResponseContentType: options.contentType,
    }), { expiresIn: options.expiresInSeconds ?? 300 });
  }
}
