/** The keyboard shortcuts overlay (`?`): a modal `<dialog>`, so focus stays inside and Escape closes it. */
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';

const SHORTCUTS: { keys: (string | MessageKey)[]; action: MessageKey }[] = [
  { keys: ['j'], action: 'shortcuts.next' },
  { keys: ['k'], action: 'shortcuts.previous' },
  { keys: ['shortcuts.key.enter', 'o'], action: 'shortcuts.open' },
  { keys: ['shortcuts.key.escape', 'u'], action: 'shortcuts.back' },
  { keys: ['r'], action: 'shortcuts.refresh' },
  { keys: ['x'], action: 'shortcuts.select' },
  { keys: ['/'], action: 'shortcuts.search' },
  { keys: ['t'], action: 'shortcuts.assignToMe' },
  { keys: ['e'], action: 'shortcuts.archive' },
  { keys: ['l'], action: 'shortcuts.label' },
  { keys: ['c'], action: 'shortcuts.compose' },
  { keys: ['shortcuts.key.shiftR'], action: 'shortcuts.reply' },
  { keys: ['a'], action: 'shortcuts.replyAll' },
  { keys: ['f'], action: 'shortcuts.forward' },
  { keys: ['shortcuts.key.ctrlEnter'], action: 'shortcuts.send' },
  { keys: ['shortcuts.key.escape'], action: 'shortcuts.closeComposer' },
  { keys: ['?'], action: 'shortcuts.help' },
];

export function HelpDialog(props: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);
  return (
    <dialog ref={dialog} class="help-dialog" aria-labelledby="help-title" onClose={props.onClose}>
      <div class="help-dialog__head">
        <h2 id="help-title">{t('shortcuts.title')}</h2>
        <button type="button" class="button button--ghost" onClick={props.onClose}>
          {t('app.close')}
        </button>
      </div>
      <p class="muted">{t('shortcuts.intro')}</p>
      <table class="shortcuts">
        <tbody>
          {SHORTCUTS.map((shortcut) => (
            <tr key={shortcut.action}>
              <th scope="row">
                {shortcut.keys.map((key, i) => (
                  <>
                    {i > 0 ? ' / ' : null}
                    <kbd>{key.includes('.') ? t(key as MessageKey) : key}</kbd>
                  </>
                ))}
              </th>
              <td>{t(shortcut.action)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </dialog>
  );
}
