// The current host page: logs in as nethvoice-cti >= v0.12 does against /api (POST /api/login → JWT) and
// gives phone-island 1.0.9 the JWT, which it tries on GET /api/user/me to pick its new (/api) mode.
// A JWT outlives a server restart, so "stay logged in" needs nothing more.
import { PhoneIsland } from 'phone-island-current'
import 'phone-island-current/dist/index.css'
import { hostPage } from './host.jsx'

async function login(username, password) {
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (response.status === 401) throw new Error('Wrong username or password')
  if (!response.ok) throw new Error(`POST /api/login: ${response.status}`)
  const { token } = await response.json()
  const me = await fetch('/api/user/me', { headers: { Authorization: `Bearer ${token}` } })
  if (!me.ok) throw new Error(`GET /api/user/me: ${me.status}`)
  return { token, me: await me.json() }
}

hostPage(PhoneIsland, login)
