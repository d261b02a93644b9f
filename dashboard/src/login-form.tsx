/** The dashboard's login: its own token (DASHBOARD_TOKEN), exchanged once for an HttpOnly session cookie. */
import { useState } from "preact/hooks";
import { logIn } from "./client.js";

export function LoginForm(props: { onLoggedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const failure = await logIn(token).catch((caught: unknown) => String(caught));
    setBusy(false);
    setToken("");
    if (failure === undefined) props.onLoggedIn();
    else setError(failure);
  };
  return (
    <form class="login" onSubmit={(event) => void submit(event)} data-testid="login">
      <h1>rap-runner</h1>
      <label for="token">Dashboard token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="current-password"
        value={token}
        onInput={(event) => setToken(event.currentTarget.value)}
        required
      />
      <button type="submit" disabled={busy}>
        Log in
      </button>
      {error ? (
        <p class="bad" role="alert" data-testid="login-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
