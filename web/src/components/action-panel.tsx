/**
 * A small panel the conversation's action bar opens under a button (labels, snooze, follow-up):
 * a labelled group that Escape closes, without the key reaching the inbox's shortcuts.
 */
import type { ComponentChildren } from 'preact';

export function ActionPanel(props: { id: string; class: string; title: string; onClose: () => void; children: ComponentChildren }) {
  return (
    <div
      class={`actions__panel ${props.class}`}
      role="group"
      aria-labelledby={`${props.id}-title`}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          props.onClose();
        }
      }}
    >
      <p id={`${props.id}-title`} class="actions__panel-title">{props.title}</p>
      {props.children}
    </div>
  );
}
