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

const ME_URL = "http://127.0.0.1:8787/api/users/me";
const ME_BODY = JSON.stringify(
  { id: "u1", displayName: "Ada Lovelace", email: "ada@example.com", role: "owner" },
  null,
  2,
);

describe("Test it", () => {
  it("calls test_token with the token and shows the URL, a 200 and the body", async () => {
    const { ipc, user } = await createOne({
      test_token: () => ({ url: ME_URL, status: 200, body: ME_BODY }),
    });
    const count = () => document.body.innerHTML.split(SECRET).length - 1;
    const before = count();
    await user.click(screen.getByRole("button", { name: "Test it" }));
    const result = await screen.findByTestId("test-result");
    expect(ipc.of("test_token")).toEqual([{ cmd: "test_token", args: { token: SECRET } }]);

    const status = screen.getByTestId("test-status");
    expect(status).toHaveTextContent("200 OK: the service accepted the token.");
    expect(status).toHaveClass("test-ok");
    expect(status).not.toHaveClass("test-bad");
    expect(within(result).getByTestId("test-url")).toHaveTextContent(ME_URL);
    const body = within(result).getByTestId("test-body");
    expect(body.tagName).toBe("PRE");
    expect(body).toHaveAttribute("tabindex", "0");
    expect(within(result).getByRole("region", { name: "Response body" })).toBe(body);
    expect(body.textContent).toBe(ME_BODY);
    // The token is still only where the dialog already showed it.
    expect(result.innerHTML).not.toContain(SECRET);
    expect(count()).toBe(before);
  });

  it("shows a refused token as a failure", async () => {
    const { user } = await createOne({
      test_token: () => ({
        url: ME_URL,
        status: 401,
        body: JSON.stringify({ error: "invalid_token", message: "The token was revoked." }, null, 2),
      }),
    });
    await user.click(screen.getByTestId("test-token"));
    const status = await screen.findByText("401 Unauthorized: the service refused the token.");
    expect(status).toHaveClass("test-bad");
    expect(status).not.toHaveClass("test-ok");
    expect(screen.getByTestId("test-body")).toHaveTextContent('"message": "The token was revoked."');
  });

  it("says to turn the service on when it is off", async () => {
    const message =
      "The verification service is off. Turn it on in Settings → Verification service, then try again.";
    const { user } = await createOne({
      test_token: () => {
        fail("invalid_input", message);
      },
    });
    await user.click(screen.getByTestId("test-token"));
    expect(await screen.findByTestId("field-error")).toHaveTextContent(message);
    expect(screen.queryByTestId("test-result")).not.toBeInTheDocument();
    expect(screen.getByTestId("test-status")).toBeEmptyDOMElement();
    expect(screen.getByTestId("test-token")).toBeEnabled();
  });

  it("shows that it is busy while the request runs", async () => {
    let answer: (value: unknown) => void = () => undefined;
    const { ipc, user } = await createOne({
      test_token: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    });
    await user.click(screen.getByTestId("test-token"));
    const button = screen.getByTestId("test-token");
    expect(button).toHaveTextContent("Testing…");
    expect(button).toHaveAttribute("aria-disabled", "true");
    expect(button).toHaveAttribute("aria-busy", "true");
    // Still focusable (not disabled), but a second press sends nothing while the first runs.
    expect(button).toBeEnabled();
    await user.click(button);
    expect(ipc.of("test_token")).toHaveLength(1);
    answer({ url: ME_URL, status: 200, body: ME_BODY });
    await screen.findByTestId("test-result");
    expect(button).toHaveTextContent("Test it");
    expect(button).not.toHaveAttribute("aria-disabled");
    expect(button).not.toHaveAttribute("aria-busy");
  });

  it("is reachable and usable with the keyboard, and keeps focus while it runs", async () => {
    let answer: (value: unknown) => void = () => undefined;
    const { ipc, user } = await createOne({
      test_token: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    });
    expect(screen.getByTestId("copy-token")).toHaveFocus();
    await user.tab();
    expect(screen.getByTestId("save-keyring")).toHaveFocus();
    await user.tab();
    const button = screen.getByRole("button", { name: "Test it" });
    expect(button).toHaveFocus();
    await user.keyboard("{Enter}");
    // Busy, but not disabled: a disabled button would drop focus to the page in a browser.
    expect(button).toHaveAttribute("aria-disabled", "true");
    expect(button).not.toHaveAttribute("disabled");
    expect(button).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(ipc.of("test_token")).toHaveLength(1);

    answer({ url: ME_URL, status: 200, body: ME_BODY });
    expect(await screen.findByText(/^200 OK/)).toBe(screen.getByTestId("test-status"));
    expect(button).toHaveFocus();
    expect(button).not.toHaveAttribute("aria-disabled");
    expect(ipc.of("test_token")).toHaveLength(1);
  });
});

describe("the reveal summary", () => {
  it("lists the scopes of a limited token", async () => {
    await createOne({
      create_token: ({ request }) => ({
        meta: token({
          id: "new-1",
          name: (request as CreateTokenRequest).name,
          scopes: ["tokens:read", "introspect"],
        }),
        token: SECRET,
      }),
    });
    expect(screen.getByTestId("reveal-scopes")).toHaveTextContent(
      "Limited to the read-only scopes tokens:read, introspect.",
    );
  });

  it("says nothing about scopes for a full-access token", async () => {
    await createOne();
    expect(screen.queryByTestId("reveal-scopes")).not.toBeInTheDocument();
  });
});
