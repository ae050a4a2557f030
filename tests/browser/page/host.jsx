// What both host pages share: every phone-island-* window event recorded in order (window.islandEvents,
// for the tests), the socket status line the tests wait on, and the login form that mounts the island.
import React from 'react'
import { createRoot } from 'react-dom/client'

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

// `login(username, password, persistent)` resolves to `{token, me}`: the island's token and GET /user/me.
export function hostPage(PhoneIsland, login) {
  document.getElementById('login').addEventListener('submit', async (event) => {
    event.preventDefault()
    const form = new FormData(event.target)
    const username = String(form.get('username')).trim().toLowerCase()
    try {
      const { token, me } = await login(username, String(form.get('password')), Boolean(form.get('persistent')))
      event.target.hidden = true
      document.getElementById('user').textContent = me.name
      document.getElementById('session').hidden = false
      const webrtc = (me.endpoints?.extension || []).find((extension) => extension.type === 'webrtc') || {}
      // host:username:token:sipExten:sipSecret:sipHost:sipPort; phone-island builds https://<host>/...
      const config = btoa([location.hostname, username, token, webrtc.id || '', webrtc.secret || '',
        '127.0.0.1', '5060'].join(':'))
      createRoot(document.getElementById('island')).render(<PhoneIsland dataConfig={config} uaType="desktop" />)
    } catch (error) {
      document.getElementById('login-error').textContent = error.message
    }
  })
}
