/** One message's sanitised HTML in a sandboxed frame; remote images on request. */
import { useMemo, useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n';
import { buildSrcdoc, estimateFrameHeight, hasRemoteImages } from '../lib/mail-frame';

export function MessageFrame(props: { html: string; text: string; title: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [showImages, setShowImages] = useState(false);
  const remote = hasRemoteImages(props.html);
  const srcdoc = useMemo(() => buildSrcdoc(props.html, { showRemoteImages: showImages }), [props.html, showImages]);
  const height = useMemo(() => estimateFrameHeight(props.text || props.html.replace(/<[^>]*>/g, ' ')), [props.text, props.html]);
  const hasLinks = /<a\s[^>]*href=/i.test(props.html);
  return (
    <div class="message__body">
      {remote ? (
        <div class="images-bar" role="status">
          {showImages ? (
            <p>{t('conversation.imagesShown')}</p>
          ) : (
            <>
              <p>{t('conversation.imagesBlocked')}</p>
              <button type="button" class="button button--small" onClick={() => setShowImages(true)}>
                {t('conversation.showImages')}
              </button>
            </>
          )}
        </div>
      ) : null}
      <div class="mail-frame" style={{ height: `${height}px` }}>
        {/* sandbox comes first: it must be in place before the frame loads its document. */}
        <iframe sandbox="" srcdoc={srcdoc} title={props.title} referrerpolicy="no-referrer" />
      </div>
      {hasLinks ? <p class="hint">{t('conversation.linksNote')}</p> : null}
    </div>
  );
}
