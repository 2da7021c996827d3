import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CreateTokenRequest } from "../api";
import { backend, fail, page, token } from "../test/fixtures";
import { renderApp } from "../test/render";

const SECRET = "tkd_9fQ2mZrA7bXc1LkP0sVwE4yHn8TuJd3G";
const LOOKUP = "secret-tool lookup service tokendesk account new-1";

async function createOne(handlers: Parameters<typeof backend>[0] = {}) {
  const ipc = backend({
    list_tokens: () => page([token({ id: "old", name: "Existing" })]),
    create_token: ({ request }) => ({
      meta: token({ id: "new-1", name: (request as CreateTokenRequest).name }),
      token: SECRET,
    }),
    copy_token: () => null,
    save_token_to_keyring: () => ({
      service: "tokendesk",
      account: "new-1",
      lookupCommand: LOOKUP,
    }),
    ...handlers,
  });
  const view = await renderApp();
  await view.user.click(screen.getByTestId("add-authorization"));
  await view.user.type(screen.getByTestId("token-name"), "CI deploy{Enter}");
  await screen.findByRole("dialog", { name: "Copy your new token" });
  return { ipc, ...view };
}

describe("the one-time reveal", () => {
  it("shows the token once, with a warning and usage snippets", async () => {
    await createOne();
    expect(screen.getByTestId("revealed-token")).toHaveValue(SECRET);
    expect(screen.getByTestId("revealed-token")).toHaveAttribute("readonly");
    expect(
      screen.getByText("This token will not be shown again. Store it somewhere safe now."),
    ).toBeInTheDocument();
    expect(screen.getByTestId("snippet-curl")).toHaveTextContent(
      `curl -H "Authorization: Bearer ${SECRET}" https://api.example.com/...`,
    );
    expect(screen.getByTestId("snippet-js")).toHaveTextContent(`Bearer ${SECRET}`);
    expect(screen.getByTestId("snippet-js")).toHaveTextContent("fetch(");
    expect(screen.getByTestId("snippet-python")).toHaveTextContent(`Bearer ${SECRET}`);
    expect(screen.getByTestId("snippet-python")).toHaveTextContent("requests.get(");
    expect(screen.getByTestId("copy-token")).toHaveFocus();
  });

  it("switches snippets with the tabs", async () => {
    const { user } = await createOne();
    expect(screen.getByTestId("snippet-python")).not.toBeVisible();
    await user.click(screen.getByRole("tab", { name: "Python" }));
    expect(screen.getByTestId("snippet-python")).toBeVisible();
    expect(screen.getByTestId("snippet-curl")).not.toBeVisible();
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("tab", { name: "JavaScript" })).toHaveFocus();
    expect(screen.getByTestId("snippet-js")).toBeVisible();
  });

  it("copies through copy_token and says when the clipboard clears", async () => {
    const { ipc, user } = await createOne();
    await user.click(screen.getByTestId("copy-token"));
    expect(
      await screen.findByText("Copied. The clipboard is cleared in 30 seconds."),
    ).toBeInTheDocument();
    expect(ipc.of("copy_token")).toEqual([{ cmd: "copy_token", args: { token: SECRET } }]);
  });

  it("saves a copy in the keyring and shows how to read it back", async () => {
    const { ipc, user } = await createOne();
    await user.click(screen.getByRole("button", { name: "Save a copy in my system keyring" }));
    const result = await screen.findByTestId("keyring-result");
    expect(within(result).getByText("Read it back with:")).toBeInTheDocument();
    expect(within(result).getByText(LOOKUP).tagName).toBe("CODE");
    expect(ipc.last("save_token_to_keyring")).toEqual({ id: "new-1", token: SECRET });
  });

  it("shows a keyring failure inline", async () => {
    const { user } = await createOne({
      save_token_to_keyring: () => {
        fail("keyring_unavailable", "The keyring is locked.");
      },
    });
    await user.click(screen.getByRole("button", { name: "Save a copy in my system keyring" }));
    expect(await screen.findByTestId("field-error")).toHaveTextContent("The keyring is locked.");
  });

  it("asks for confirmation before closing, then forgets the token", async () => {
    const { user } = await createOne();
    expect(document.body.innerHTML).toContain(SECRET);

    await user.click(screen.getByTestId("reveal-done"));
    expect(
      screen.getByText("Have you stored the token? It cannot be shown again."),
    ).toBeInTheDocument();
    expect(screen.getByRole("dialog")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Go back" }));
    expect(screen.queryByText("Have you stored the token? It cannot be shown again.")).toBeNull();
    expect(screen.getByTestId("revealed-token")).toHaveValue(SECRET);

    await user.click(screen.getByTestId("reveal-done"));
    await user.click(screen.getByTestId("reveal-confirm-close"));

    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(screen.getByTestId("add-authorization")).toHaveFocus();
  });

  it("treats Escape as Done, and Escape in the confirm step as Go back", async () => {
    const { user } = await createOne();
    await user.keyboard("{Escape}");
    expect(screen.getByTestId("reveal-confirm-close")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Go back" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("reveal-confirm-close")).not.toBeInTheDocument();
    expect(screen.getByTestId("revealed-token")).toHaveValue(SECRET);
    expect(screen.getByTestId("reveal-done")).toHaveFocus();
  });

  it("lists the new token after the dialog opens", async () => {
    let created = false;
    const ipc = backend({
      list_tokens: () =>
        page(created ? [token({ id: "new-1", name: "CI deploy" })] : []),
      create_token: () => {
        created = true;
        return { meta: token({ id: "new-1", name: "CI deploy" }), token: SECRET };
      },
    });
    const { user } = await renderApp();
    await user.click(screen.getByTestId("empty-add-authorization"));
    await user.type(screen.getByTestId("token-name"), "CI deploy{Enter}");
    await screen.findByRole("dialog", { name: "Copy your new token" });
    await waitFor(() => {
      expect(screen.getAllByTestId("token-row")).toHaveLength(1);
    });
    expect(ipc.of("list_tokens").length).toBeGreaterThanOrEqual(2);
    await user.click(screen.getByTestId("reveal-done"));
    await user.click(screen.getByTestId("reveal-confirm-close"));
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(screen.getByTestId("add-authorization")).toHaveFocus();
  });
});
