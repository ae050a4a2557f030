// The legacy host page: logs in as nethvoice-cti <= v0.11.6 did against /webrest (nonce, then HMAC-SHA1
// token) and gives phone-island 0.13.4 that token (or, to stay logged in, a persistent phone-island one).
import { PhoneIsland } from '@nethesis/phone-island'
import '@nethesis/phone-island/dist/index.css'
import { hostPage } from './host.jsx'

async function hmacSha1Hex(key, message) {
  const encoder = new TextEncoder()
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-1' },
    false, ['sign'])
  const signature = await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message))
  return [...new Uint8Array(signature)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}

// A session token lives in the server's memory (a restart logs everybody out, as nethcti-server did); the
// phone-island token is persistent, as the one nethcti-middleware gives the island today.
async function phoneIslandToken(username, token) {
  const response = await fetch('/webrest/authentication/phone_island_token_login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `${username}:${token}` },
    body: JSON.stringify({ subtype: 'web' }),
  })
  if (!response.ok) throw new Error(`phone_island_token_login: ${response.status}`)
  return (await response.json()).token
}

async function login(username, password, persistent) {
  const response = await fetch('/webrest/authentication/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const challenge = response.headers.get('www-authenticate')
  if (response.status !== 401 || !challenge) throw new Error('Wrong username or password')
  const nonce = challenge.split(' ')[1]
  const token = await hmacSha1Hex(password, `${username}:${password}:${nonce}`)
  const me = await fetch('/webrest/user/me', { headers: { Authorization: `${username}:${token}` } })
  if (!me.ok) throw new Error(`GET /user/me: ${me.status}`)
  return { token: persistent ? await phoneIslandToken(username, token) : token, me: await me.json() }
}

hostPage(PhoneIsland, login)
