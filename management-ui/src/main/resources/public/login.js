'use strict';
document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const message = document.getElementById('message');
  message.textContent = '';
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({
      username: document.getElementById('username').value,
      password: document.getElementById('password').value
    })
  });
  if (response.ok) {
    window.location.assign('/');
  } else {
    const body = await response.json().catch(() => ({error: response.statusText}));
    message.textContent = body.error;
  }
});
