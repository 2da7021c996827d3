// Secondary actions (row actions, header links, alert buttons) all share one small button style.
import type { ComponentProps } from "react";

export function SmallButton({ className, ...button }: Omit<ComponentProps<"button">, "type">) {
  return (
    <button
      {...button}
      type="button"
      className={className ? `button button-small ${className}` : "button button-small"}
    />
  );
}
