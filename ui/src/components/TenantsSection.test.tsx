import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Tenant } from "../api";
import { GRACE, backend, fail, user as makeUser } from "../test/fixtures";
import { memberCount, sortTenants, TenantsSection, upsertTenant } from "./TenantsSection";

const tenant = (id: string, name: string): Tenant => ({ id, name, createdAt: 0 });

describe("tenant helpers", () => {
  it("sort by name ignoring case, as the core lists them", () => {
    const list = [tenant("a", "globex"), tenant("b", "Acme"), tenant("c", "beta")];
    expect(sortTenants(list).map((t) => t.id)).toEqual(["b", "c", "a"]);
  });

  it("upsert replaces by id and keeps the order", () => {
    const list = [tenant("a", "Acme"), tenant("b", "Beta")];
    expect(upsertTenant(list, tenant("a", "Zeta")).map((t) => t.name)).toEqual(["Beta", "Zeta"]);
    expect(upsertTenant(list, tenant("c", "Alpha")).map((t) => t.name)).toEqual([
      "Acme",
      "Alpha",
      "Beta",
    ]);
  });

  it("counts members who are not removed", () => {
    const t = tenant("t1", "Acme");
    const users = [
      makeUser({ id: "u1", tenantIds: ["t1"] }),
      makeUser({ id: "u2", tenantIds: ["t1", "t2"], status: "disabled" }),
      makeUser({ id: "u3", tenantIds: ["t1"], status: "removed" }),
      makeUser({ id: "u4", tenantIds: ["t2"] }),
    ];
    expect(memberCount(t, users)).toBe(2);
  });
});

describe("the tenants section", () => {
  it("Escape closes the add dialog without saving and gives focus back", async () => {
    const ipc = backend();
    const onSaved = vi.fn();
    const user = userEvent.setup();
    render(<TenantsSection tenants={[]} users={[GRACE]} onSaved={onSaved} />);
    const add = screen.getByTestId("add-tenant");
    add.focus();
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("tenant-name-input")).toHaveFocus();
    await user.keyboard("Acme{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(add).toHaveFocus();
    expect(onSaved).not.toHaveBeenCalled();
    expect(ipc.of("create_tenant")).toHaveLength(0);
  });

  it("reports the created tenant and shows the server's invalid_name under the name", async () => {
    let refuse = true;
    const ipc = backend({
      create_tenant: ({ name }) => {
        if (refuse) fail("invalid_name", "A name cannot contain control characters.");
        return tenant("t9", name as string);
      },
    });
    const onSaved = vi.fn();
    const user = userEvent.setup();
    render(<TenantsSection tenants={[tenant("t1", "Acme")]} users={[]} onSaved={onSaved} />);
    expect(within(screen.getByTestId("tenant-row")).getByTestId("tenant-members")).toHaveTextContent(
      /^0$/,
    );
    await user.click(screen.getByTestId("add-tenant"));
    await user.type(screen.getByTestId("tenant-name-input"), "Initech{Enter}");
    expect(await screen.findByTestId("field-error")).toHaveTextContent("control characters");
    expect(onSaved).not.toHaveBeenCalled();

    refuse = false;
    await user.click(screen.getByTestId("tenant-submit"));
    await waitFor(() => {
      expect(onSaved).toHaveBeenCalledWith(tenant("t9", "Initech"));
    });
    expect(ipc.of("create_tenant")).toHaveLength(2);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });
});
