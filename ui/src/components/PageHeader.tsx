// Every page opens with the same focusable heading, a short description and optional actions.
import type { ReactNode, Ref } from "react";

interface PageHeaderProps {
  title: ReactNode;
  description: ReactNode;
  /** Where focus goes back to when the row a dialog came from is gone. */
  headingRef?: Ref<HTMLHeadingElement>;
  actions?: ReactNode;
}

export function PageHeader({ title, description, headingRef, actions }: PageHeaderProps) {
  return (
    <div className="page-header">
      <div>
        <h1 ref={headingRef} tabIndex={-1}>
          {title}
        </h1>
        <p className="muted">{description}</p>
      </div>
      {actions}
    </div>
  );
}
