"""The pages of the web app. Importing this package registers them with NiceGUI:

    /login                      log-in
    /                           executive cockpit            /d/{id}  any dashboard
    /leads                      SDR lead pool                /designer  report designer
    /mine                       my and shared dashboards     /customers/person|account/{id}
    /account                    language and password        /admin/users, /admin/audit
    /workspace                  the data: entities and imports
"""

from revlens.app.pages import (  # noqa: F401 - each module registers its pages
    admin,
    customer,
    dashboard,
    designer,
    leads,
    login,
    mine,
    workspace,
)
