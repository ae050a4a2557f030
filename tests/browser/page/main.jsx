// The host page: logs in as nethvoice-cti <= v0.11.6 did against /webrest (nonce, then HMAC-SHA1 token),
// reads the WebRTC extension from /user/me and mounts phone-island with the base64 config it expects.
import React from 'react'
import { createRoot } from 'react-dom/client'
import { PhoneIsland } from '@nethesis/phone-island'
import '@nethesis/phone-island/dist/index.css'

// Every phone-island-* window event, in order, for the tests (window.islandEvents) and the status line.
window.islandEvents = []
const dispatchEvent = window.dispatchEvent.bind(window)
window.dispatchEvent = (event) => {
  if (event.type.startsWith('phone-island-')) {
    window.islandEvents.push({ name: event.type, detail: event.detail, at: Date.now() })
  }
  return dispatchEvent(event)
}

const SOCKET_STATUS = {
  'phone-island-socket-connected': 'connected',
  'phone-island-socket-reconnected': 'connected',
  'phone-island-socket-disconnected': 'disconnected',
  'phone-island-server-disconnected': 'disconnected',
}
for (const [name, status] of Object.entries(SOCKET_STATUS)) {
  window.addEventListener(name, () => {
    document.getElementById('socket-status').textContent = status
  })
}

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

async function login(username, password) {
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
  return { token, me: await me.json() }
}

function mountIsland(username, token, me) {
  const webrtc = (me.endpoints?.extension || []).find((extension) => extension.type === 'webrtc') || {}
  // host:username:token:sipExten:sipSecret:sipHost:sipPort; phone-island builds https://<host>/...
  const config = btoa([location.hostname, username, token, webrtc.id || '', webrtc.secret || '',
    '127.0.0.1', '5060'].join(':'))
  createRoot(document.getElementById('island')).render(<PhoneIsland dataConfig={config} uaType="desktop" />)
}

document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  const username = String(form.get('username')).trim().toLowerCase()
  try {
    const { token: sessionToken, me } = await login(username, String(form.get('password')))
    const token = form.get('persistent') ? await phoneIslandToken(username, sessionToken) : sessionToken
    event.target.hidden = true
    document.getElementById('user').textContent = me.name
    document.getElementById('session').hidden = false
    mountIsland(username, token, me)
  } catch (error) {
    document.getElementById('login-error').textContent = error.message
  }
})
