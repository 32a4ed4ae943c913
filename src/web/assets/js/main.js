// Start-up: restore the session from the refresh cookie, register the pages, render.

import { restore, setEnrolmentRequiredHandler, setSessionEndedHandler } from "./api.js";
import { renderHeader } from "./layout.js";
import { route, render, setAfterRender, setSignInPage, showSignIn, start } from "./router.js";
import { captureResetToken, resetPage, signInPage } from "./pages/signin.js";
import { agendaPage } from "./pages/agenda.js";
import { clientsPage, newClientPage } from "./pages/clients.js";
import { clientPage } from "./pages/client.js";
import { casePage } from "./pages/case.js";
import { accountPage } from "./pages/account.js";
import { usersPage } from "./pages/admin-users.js";
import { remindersPage } from "./pages/admin-reminders.js";
import { auditPage } from "./pages/admin-audit.js";
import { closuresPage } from "./pages/admin-closures.js";

captureResetToken();

route({ pattern: /^\/reset-password\/?$/, page: resetPage, public: true });
route({ pattern: /^\/$/, page: agendaPage });
route({ pattern: /^\/clients\/?$/, page: clientsPage });
route({ pattern: /^\/clients\/new\/?$/, page: newClientPage });
route({ pattern: /^\/clients\/([^/]+)\/?$/, page: clientPage });
route({ pattern: /^\/cases\/([^/]+)\/?$/, page: casePage });
route({ pattern: /^\/account\/?$/, page: accountPage, enrolment: "/account" });
route({ pattern: /^\/admin\/users\/?$/, page: usersPage, admin: true });
route({ pattern: /^\/admin\/reminders\/?$/, page: remindersPage, admin: true });
route({ pattern: /^\/admin\/audit\/?$/, page: auditPage, admin: true });
route({ pattern: /^\/admin\/closures\/?$/, page: closuresPage, admin: true });

setSignInPage(signInPage);
setAfterRender(renderHeader);
setSessionEndedHandler(() => {
  renderHeader();
  showSignIn({ ended: true });
});

// A call answered that a second factor comes first: the router leads to the account page.
setEnrolmentRequiredHandler(() => {
  if (location.pathname.replace(/\/$/, "") !== "/account") render();
});

start();
restore().then(() => render());
